"""Pages of a list without a COUNT: the rows of one page fetched as page_size + 1, the extra row saying
whether there is a next one, so the query count does not depend on the page size. Rendered by
templates/_pager.html."""

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 50


def page_window(request, rows, *, sizes=PAGE_SIZES, default=DEFAULT_PAGE_SIZE) -> dict:
    try:
        size = int(request.GET.get("page_size", default))
    except ValueError:
        size = default
    if size not in sizes:
        size = default
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    window = list(rows[(page - 1) * size : page * size + 1])
    params = request.GET.copy()
    params.pop("page", None)
    sizeless = params.copy()
    sizeless.pop("page_size", None)
    return {
        "rows": window[:size],
        "page": page,
        "has_next": len(window) > size,
        "page_size": size,
        "page_sizes": sizes,
        "query": params.urlencode(),
        "sizeless_query": sizeless.urlencode(),
    }
