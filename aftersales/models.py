# No tables of its own. The module exists so that Django sends this app's post_migrate signal,
# after which the role groups are synchronised (see apps.py).
