"""The documents an installer hands over with every installed unit under the maker's service standard:
shipped for every category by a data migration, then kept per category in the admin."""

# (name, English name), in the order the tablet lists them.
STANDARD_DOCUMENTS = [
    ("验收单", "Acceptance list"),
    ("配置单", "Configuration list"),
    ("保养手册", "Maintenance manual"),
    ("常见问题指南", "Common-problem guide"),
]


def acceptance_documents_sync(ProductCategory, AcceptanceDocument) -> None:  # noqa: N803 - model classes
    """Gives every category without a list the standard four documents (a category whose list was edited
    in the admin keeps it). Takes the model classes so that the data migration can pass its historical ones."""
    for category in ProductCategory.objects.exclude(acceptance_documents__isnull=False):
        AcceptanceDocument.objects.bulk_create(
            AcceptanceDocument(category=category, name=name, name_en=name_en, position=position)
            for position, (name, name_en) in enumerate(STANDARD_DOCUMENTS, start=1)
        )
