"""Spare parts as the people who handle them live it: the central warehouse receiving and shipping, a centre issuing parts to its work orders and sending defective ones back."""
