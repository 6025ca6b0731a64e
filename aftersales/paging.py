"""Pages of a list without a COUNT: the rows of one page fetched as page_size + 1, the extra row saying
whether there is a next one, so the query count does not depend on the page size. Rendered by
templates/_pager.html."""

from .parsing import parse_int

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 50


MAX_PAGE = 100_000  # deeper than any list is read by paging; a larger number is not a page


def page_window(request, rows, *, sizes=PAGE_SIZES, default=DEFAULT_PAGE_SIZE) -> dict:
    size = parse_int(request.GET.get("page_size"), default=default)
    if size not in sizes:
        size = default
    page = parse_int(request.GET.get("page"), default=1, low=1, high=MAX_PAGE)
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
