"""Demo data shared by the apps' seeders: deterministic names, phones and addresses."""
