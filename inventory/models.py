# The stock ledger, part requests and deposits arrive with the spare-parts issue.
