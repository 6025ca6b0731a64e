"""Demo data for a fresh installation and for the benchmarks, driven by `manage.py seed_demo`: one module
per app's story (network, warranty, repairs and its field, findings and paid work, inventory, care,
integrations) and the scale generator (`seed_demo --scale N`)."""
