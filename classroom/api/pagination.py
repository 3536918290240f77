"""Page numbers as the book's clients expect: `count`, `next`, `previous`, `results`."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """10 per page by default; `?page_size=` from 1 up to 100 (larger ones give 100).

    DRF falls back to the default size for any page size it cannot read; a client
    sending `page_size=null` or `-1` has a bug it should hear about, so those are
    answered 400. An empty `page_size=` (as forms send it) means the default.
    """

    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        if len(raw) > 6 and raw.isascii() and raw.isdigit() and raw.strip("0"):
            return self.max_page_size  # a huge size is the maximum (no int() of it)
        if not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"A whole number from 1 to {self.max_page_size}."
                    ]
                },
                code="invalid",
            )
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            # Both start at 1; a page size above the maximum is cut to it.
            parameter["schema"]["minimum"] = 1
        return parameters
