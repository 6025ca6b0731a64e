"""Pages of a list without a COUNT: the rows of one page fetched as page_size + 1, the extra row saying
whether there is a next one, so the query count does not depend on the page size. Rendered by
templates/_pager.html."""

from .parsing import parse_int

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 50


MAX_PAGE = 100_000  # deeper than any list is read by paging; a larger number is not a page


def page_and_size(request, *, param: str = "page", sizes=PAGE_SIZES, default: int = DEFAULT_PAGE_SIZE):
    """The page asked for (1 when absent or not a page) and the page size (one of `sizes`, else `default`)."""
    size = parse_int(request.GET.get("page_size"), default=default)
    if size not in sizes:
        size = default
    return parse_int(request.GET.get(param), default=1, low=1, high=MAX_PAGE), size


def page_queries(request, *drop: str) -> tuple[str, str]:
    """The query string without `drop` (for the pager's links), and also without the size (for the sizes')."""
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    sizeless = params.copy()
    sizeless.pop("page_size", None)
    return params.urlencode(), sizeless.urlencode()


def page_window(request, rows, *, sizes=PAGE_SIZES, default=DEFAULT_PAGE_SIZE) -> dict:
    page, size = page_and_size(request, sizes=sizes, default=default)
    window = list(rows[(page - 1) * size : page * size + 1])
    query, sizeless = page_queries(request, "page")
    return {
        "rows": window[:size],
        "page": page,
        "has_next": len(window) > size,
        "page_size": size,
        "page_sizes": sizes,
        "query": query,
        "sizeless_query": sizeless,
    }
