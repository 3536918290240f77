"""The site search page: /search/?q=&subject=&page=."""

from django.views.generic import TemplateView

from search.queries import site_search


class SearchView(TemplateView):
    """Courses matching the query, grouped with the modules that matched."""

    template_name = "search/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        search = site_search(
            params.get("q", ""),
            self.request.user,
            subject=params.get("subject"),
            page=params.get("page"),
        )
        context["search"] = search
        # base.html fills the header search box with it.
        context["search_query"] = search.query
        return context
