"""Paid service as it happens at the customer's: the quote, the consent, the customer who declines, payment now or later, receivables, the office's changes, the voucher and the API."""
