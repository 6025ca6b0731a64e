"""Administrative work (D) as time entries, on the real PostgreSQL: the rules of an entry, the split of a month, scopes and the forms."""
