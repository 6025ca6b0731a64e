"""The part-request and defective-return pages through the Django test client."""
