"""The stock pages through the Django test client: who sees which warehouse and centre, the manager's stock operations and deposit forms."""
