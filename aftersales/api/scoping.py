class ScopedQuerysetMixin:
    """Object scope through one path: `Model.objects.for_user(user)` in every get_queryset().

    Objects outside the user's scope are not in the queryset, so they answer 404 on every method.
    The viewset's `queryset` must be built from a QuerySet class that has `for_user()`.
    """

    def get_queryset(self):
        return super().get_queryset().for_user(self.request.user)
