"""Page numbers as the book's clients expect: `count`, `next`, `previous`, `results`."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """10 per page by default; `?page_size=` up to 100."""

    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 100
