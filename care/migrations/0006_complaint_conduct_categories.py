"""Complaint categories that tell the staff member's own conduct (attitude, lateness, a broken promise,
improper charging) from the product: the three steps count only the conduct kinds. Existing complaints keep
their category; "charges" now reads as improper charging."""

from django.db import migrations, models

CATEGORIES = [
    ("attitude", "Service attitude"),
    ("late", "Late or missed appointment"),
    ("promise", "Broken promise"),
    ("charges", "Improper charging"),
    ("product", "Product quality"),
    ("quality", "Repair quality"),
    ("parts", "Parts or waiting time"),
    ("other", "Other"),
]


class Migration(migrations.Migration):
    dependencies = [("care", "0005_deadline_clocks")]

    operations = [
        migrations.RemoveConstraint(model_name="complaint", name="complaint_category_valid"),
        migrations.AlterField(
            model_name="complaint",
            name="category",
            field=models.CharField(choices=CATEGORIES, max_length=10, verbose_name="category"),
        ),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.CheckConstraint(
                condition=models.Q(("category__in", [value for value, _label in CATEGORIES])),
                name="complaint_category_valid",
            ),
        ),
    ]
