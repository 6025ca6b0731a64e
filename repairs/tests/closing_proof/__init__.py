"""No order is completed — and so none is paid — without its closing record and the customer's proof."""
