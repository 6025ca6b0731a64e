"""Forms and FilterSets of the part-request and defective-return pages. They check what a person typed;
the rules (limits, credit, states) stay in inventory.services."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.fields import MonthFilter
from network.models import ServiceCenter

from .choices import (
    OPEN_RETURN_STATUSES,
    DefectiveReturnStatus,
    InspectionOutcome,
    PartRequestStatus,
)
from .models import Part, PartRequest

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 10
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}

# The status filter of the request list: the manager's queue by default, or one status, or everything.
QUEUE = ""
ALL = "all"
QUEUE_STATUSES = (PartRequestStatus.PENDING, PartRequestStatus.APPROVED)


def _centers_for(user):
    """The centres a person may pick: every centre for a manager, their own for a supervisor."""
    return ServiceCenter.objects.for_user(user).order_by("code")


# Lists --------------------------------------------------------------------------------------------------


class PartRequestFilterSet(django_filters.FilterSet):
    """The part-request list. A manager's default is the queue: awaiting a manager first, then approved and
    waiting to be shipped, oldest first. Otherwise (a status picked, "all", or a supervisor's default)
    newest first."""

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(ALL, _("All"))] + list(PartRequestStatus.choices),
        empty_label=_("To decide or ship"),
        method="filter_status",
    )
    center = django_filters.ModelChoiceFilter(
        label=_("Service centre"), queryset=ServiceCenter.objects.none(), empty_label=_("All centres")
    )
    month = MonthFilter(label=_("Month requested"), field_name="requested_at")

    def __init__(self, data=None, *args, user, queue_by_default: bool = True, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.queue_by_default = queue_by_default
        self.filters["center"].queryset = _centers_for(user)
        self.form.fields["center"].queryset = _centers_for(user)
        if not queue_by_default:
            status = self.form.fields["status"]
            status.empty_label = _("All")
            status.choices = list(PartRequestStatus.choices)

    def filter_status(self, queryset, name, value):
        if value == ALL:
            return queryset
        return queryset.filter(status=value)

    @property
    def qs(self):
        rows = super().qs
        status = getattr(self.form, "cleaned_data", {}).get("status") or QUEUE
        if status == QUEUE and self.queue_by_default:
            queue_first = Case(
                When(status=PartRequestStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
            return rows.filter(status__in=QUEUE_STATUSES).order_by(queue_first, "requested_at", "pk")
        return rows.order_by("-requested_at", "-pk")


class DefectiveReturnFilterSet(django_filters.FilterSet):
    """The defective-return list: open tags first (by due date), then the settled ones, latest first."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=DefectiveReturnStatus.choices, empty_label=_("All")
    )
    center = django_filters.ModelChoiceFilter(
        label=_("Service centre"), queryset=ServiceCenter.objects.none(), empty_label=_("All centres")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Past due only"), method="filter_overdue", widget=forms.CheckboxInput
    )

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["center"].queryset = _centers_for(user)
        self.form.fields["center"].queryset = _centers_for(user)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.overdue(timezone.localdate())

    @property
    def qs(self):
        open_first = Case(
            When(status__in=sorted(OPEN_RETURN_STATUSES), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return super().qs.order_by(open_first, "due_on", "pk")


# A new part request ------------------------------------------------------------------------------------


class PartRequestForm(forms.Form):
    """A centre's request: the centre (when the supervisor runs several), lines of part code × quantity
    (repeated `part` / `quantity` fields, blank rows ignored), an optional work order of the centre, a note.

    After is_valid(): cleaned_data["lines"] is [(Part, int)]; `rows` keeps what was typed with each row's
    error, for showing the form again."""

    center = forms.ModelChoiceField(label=_("Service centre"), queryset=ServiceCenter.objects.none())
    work_order = forms.CharField(
        label=_("For work order (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "PG20250101-00001", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=300, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    MIN_ROWS = 5

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        centers = _centers_for(user)
        self.fields["center"].queryset = centers
        self.centers = list(centers)
        if len(self.centers) == 1:
            self.fields["center"].initial = self.centers[0].pk
            self.fields["center"].widget = forms.HiddenInput()
            self.fields["center"].required = False
        codes = data.getlist("part") if data is not None else []
        quantities = data.getlist("quantity") if data is not None else []
        self.rows = [
            {"part": (code or "").strip(), "quantity": (quantity or "").strip(), "error": ""}
            for code, quantity in zip(codes, quantities, strict=False)
        ]
        while len(self.rows) < self.MIN_ROWS or (self.rows[-1]["part"] or self.rows[-1]["quantity"]):
            self.rows.append({"part": "", "quantity": "", "error": ""})

    @property
    def several_centers(self) -> bool:
        return len(self.centers) > 1

    @property
    def line_errors(self) -> bool:
        return any(r["error"] for r in self.rows)

    def clean_center(self):
        center = self.cleaned_data.get("center")
        if center is None and len(self.centers) == 1:
            return self.centers[0]
        return center

    def clean(self):
        cleaned = super().clean()
        filled = [r for r in self.rows if r["part"] or r["quantity"]]
        parts = {
            p.code.upper(): p
            for p in Part.objects.filter(
                code__in={r["part"] for r in filled} | {r["part"].upper() for r in filled}
            )
        }
        lines = []
        for row in filled:
            part = parts.get(row["part"].upper())
            if not row["part"]:
                row["error"] = str(_("Enter a part code."))
            elif part is None:
                row["error"] = str(_("No part with the code %(code)s.") % {"code": row["part"]})
            else:
                try:
                    lines.append((part, _whole_positive(row["quantity"])))
                except ValidationError as exc:
                    row["error"] = exc.messages[0]
        if self.line_errors:
            self.add_error(None, _("Correct the lines marked below."))
        elif not lines:
            self.add_error(None, _("Add at least one part."))
        cleaned["lines"] = lines
        number = (cleaned.get("work_order") or "").strip().upper()
        center = cleaned.get("center")
        cleaned["work_order"] = None
        if number and center is not None:
            # The request's work order, through the relation (work orders are repairs', above the stock).
            orders = PartRequest._meta.get_field("work_order").related_model.objects
            order = orders.for_user(self.user).filter(number=number, center=center).first()
            if order is None:
                self.add_error(
                    "work_order",
                    _("%(center)s has no work order %(number)s.") % {"center": center.name, "number": number},
                )
            cleaned["work_order"] = order
        return cleaned


def _whole_positive(value: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("The quantity must be a whole number.")) from None
    if number <= 0:
        raise ValidationError(_("The quantity must be greater than zero."))
    return number


# Actions --------------------------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ShipReturnForm(forms.Form):
    courier = forms.CharField(label=_("Courier"), max_length=40, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=40)


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.ImageField):
    """Several image files in one field (Django's documented pattern): each one opened and verified by
    Pillow, of an accepted format, at most MAX_PHOTO_BYTES."""

    default_error_messages = {
        "invalid_image": _("%(name)s is not a photo: upload JPEG, PNG or WebP images taken of the part."),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                _("At most %(count)s photos at a time.") % {"count": MAX_PHOTOS}, code="too_many"
            )
        cleaned, errors = [], []
        for upload in files:
            name = getattr(upload, "name", "")
            if upload.size > MAX_PHOTO_BYTES:
                errors.append(
                    ValidationError(
                        _("%(name)s is %(size)s MB: a photo may be at most %(limit)s MB.")
                        % {
                            "name": name,
                            "size": f"{upload.size / 1024 / 1024:.1f}",
                            "limit": MAX_PHOTO_BYTES // 1024 // 1024,
                        },
                        code="too_large",
                    )
                )
                continue
            try:
                image = super().clean(upload, initial)
            except ValidationError:
                errors.append(
                    ValidationError(
                        self.error_messages["invalid_image"] % {"name": name}, code="invalid_image"
                    )
                )
                continue
            if getattr(image, "image", None) is not None and image.image.format not in PHOTO_FORMATS:
                errors.append(
                    ValidationError(
                        self.error_messages["invalid_image"] % {"name": name}, code="invalid_image"
                    )
                )
                continue
            cleaned.append(image)
        if errors:
            raise ValidationError(errors)
        return cleaned


class ScrapRequestForm(forms.Form):
    scrap_reason = forms.CharField(
        label=_("Why the part cannot be sent back"), max_length=300, widget=forms.TextInput
    )
    photos = MultipleImageField(label=_("Photos of the part"))


class InspectForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Inspection result"), choices=InspectionOutcome.choices)
    inspection_note = forms.CharField(label=_("Inspection note"), max_length=300, required=False)


def active_parts():
    """The parts a centre may ask for, for the part-code datalist."""
    return Part.objects.filter(active=True).only("code", "name", "unit_cost_amount").order_by("code")
