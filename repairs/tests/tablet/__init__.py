"""The technician's tablet as its users live it: today's list, the on-site steps, asking for parts, taking the product in, and the closing."""
