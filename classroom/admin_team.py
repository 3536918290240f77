"""A course's team in the Wagtail admin: Course teams → a course → its "Team".

The screen lists the course's owner and its members (instructors and assistants,
classroom.models.CourseMember) with their roles. The owner and superusers
(`role_in(user, course) == "owner"`) add a member by username or email, change a
member's role and take a member off the team; the rest of the course's staff may
look. Everyone else gets a 403. The access rule reads the team at once
(classroom.access, classroom.signals): a member taken off loses the contents, the
students and the chat on their next request or frame.

Members need the Wagtail admin: adding one puts them in the "Course team" group
(admin access only, made here when missing), and taking them off their last team
takes them out of it again. What they may do there is the team's: the page
permission policy (learning.permissions) and the staff screens read the roles.

URLs (namespace "course_team"): /admin/teams/ (the courses the user is staff of),
/admin/teams/<course>/ (the team; POST adds), /admin/teams/<course>/<member>/role/
(POST), /admin/teams/<course>/<member>/remove/ (a confirmation, then POST).
A course page's header and its listing's "More" menu link to its team.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from classroom.access import is_course_staff, role_in, staff_courses
from classroom.admin_staff import forbidden
from classroom.models import CourseMember
from learning.models import CoursePage

NAMESPACE = "course_team"
PAGE_SIZE = 50
ROLE_LABELS = {"owner": "Owner", **dict(CourseMember.ROLES)}


def url(name, *args):
    return reverse(f"{NAMESPACE}:{name}", args=args)


def may_manage(user, course):
    """The owner and superusers manage a course's team."""
    return role_in(user, course) == "owner"


# --- Admin access for members ------------------------------------------------------


# --- Forms -------------------------------------------------------------------------


def find_user(text):
    """The active user named by a username or an email, or a reason why not."""
    User = get_user_model()
    text = text.strip()
    found = list(User._default_manager.filter(**{User.USERNAME_FIELD: text})[:1])
    if not found and "@" in text:
        found = list(User._default_manager.filter(email__iexact=text)[:2])
        if len(found) > 1:
            return None, "Several users have that email: give the username."
    if len(found) != 1:
        return None, "No user has that username or email."
    user = found[0]
    if not user.is_active:
        return None, f"{user.get_username()}'s account is deactivated."
    return user, None


class AddMemberForm(forms.Form):
    user = forms.CharField(
        label="Username or email",
        max_length=254,
        help_text="Of someone with an account on the site.",
    )
    role = forms.ChoiceField(
        label="Role",
        choices=CourseMember.ROLES,
        initial=CourseMember.ASSISTANT,
        help_text=(
            "Instructors edit the course and its modules, grade and see the "
            "students; assistants see the students and their progress, grade and "
            "moderate the chat, and edit nothing."
        ),
    )

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course

    def clean_user(self):
        user, problem = find_user(self.cleaned_data["user"])
        if problem:
            raise forms.ValidationError(problem)
        if user.pk == self.course.owner_id:
            raise forms.ValidationError(
                f"{user.get_username()} owns this course already."
            )
        member = CourseMember.objects.filter(course=self.course, user=user).first()
        if member is not None:
            raise forms.ValidationError(
                f"{user.get_username()} is on the team already, as "
                f"{member.get_role_display().lower()}: change the role below."
            )
        return user


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=CourseMember.ROLES)


# --- Views -------------------------------------------------------------------------


class TeamPage(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "group"
    course = None

    def get_breadcrumbs_items(self):
        crumbs = [*self.breadcrumbs_items, {"url": url("index"), "label": "Teams"}]
        if self.course is not None:
            crumbs.append({"url": url("team", self.course.pk), "label": "Team"})
        return crumbs


class CourseTeamPage(TeamPage):
    """A view of one course's team: 403 unless the user is the course's staff,
    and for changes unless they manage it."""

    manage_only = False

    def dispatch(self, request, *args, **kwargs):
        self.course = get_object_or_404(CoursePage, pk=kwargs["course_id"])
        if not is_course_staff(request.user, self.course):
            return forbidden(request)
        self.manages = may_manage(request.user, self.course)
        if (self.manage_only or request.method == "POST") and not self.manages:
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def member(self, pk):
        return get_object_or_404(
            CourseMember.objects.select_related("user"), course=self.course, pk=pk
        )

    def get_page_subtitle(self):
        return self.course.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(course=self.course, manages=self.manages)
        return context


class IndexView(TeamPage):
    template_name = "classroom/admin/team_index.html"
    page_title = "Course teams"

    def dispatch(self, request, *args, **kwargs):
        self.courses = staff_courses(request.user)
        if not request.user.is_superuser and not self.courses.exists():
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": "Teams"}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        courses = (
            self.courses.select_related("owner")
            .annotate(
                instructors=Count("team", filter=Q(team__role=CourseMember.INSTRUCTOR)),
                assistants=Count("team", filter=Q(team__role=CourseMember.ASSISTANT)),
            )
            .order_by("title", "pk")
        )
        page = Paginator(courses, PAGE_SIZE).get_page(self.request.GET.get("p"))
        context["courses"] = page
        return context


class TeamView(CourseTeamPage):
    template_name = "classroom/admin/team.html"
    page_title = "Team"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        members = CourseMember.objects.filter(course=self.course).select_related(
            "user", "added_by"
        )
        context.update(
            owner=self.course.owner,
            members=[
                (member, RoleForm(initial={"role": member.role}, prefix=member.pk))
                for member in members
            ],
            form=form
            if form is not None
            else (AddMemberForm(course=self.course) if self.manages else None),
            role_labels=ROLE_LABELS,
        )
        return context

    def post(self, request, *args, **kwargs):
        form = AddMemberForm(request.POST, course=self.course)
        if form.is_valid():
            user = form.cleaned_data["user"]
            role = form.cleaned_data["role"]
            try:
                with transaction.atomic():
                    CourseMember.objects.create(
                        course=self.course, user=user, role=role, added_by=request.user
                    )
            except IntegrityError:
                form.add_error("user", f"{user.get_username()} is on the team already.")
            else:
                messages.success(
                    request,
                    f"{user.get_username()} joined the team as "
                    f"{ROLE_LABELS[role].lower()}.",
                )
                return redirect(url("team", self.course.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RoleView(CourseTeamPage):
    manage_only = True
    http_method_names = ["post"]

    def post(self, request, course_id, pk):
        member = self.member(pk)
        form = RoleForm(request.POST, prefix=member.pk)
        if not form.is_valid():
            messages.error(request, "Choose instructor or assistant.")
        elif form.cleaned_data["role"] != member.role:
            member.role = form.cleaned_data["role"]
            member.save(update_fields=["role"])
            messages.success(
                request,
                f"{member.user.get_username()} is now "
                f"{ROLE_LABELS[member.role].lower()}.",
            )
        return redirect(url("team", self.course.pk))


class RemoveView(CourseTeamPage):
    template_name = "classroom/admin/team_remove.html"
    page_title = "Remove from the team"
    manage_only = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["member"] = self.member(self.kwargs["pk"])
        context["role_labels"] = ROLE_LABELS
        return context

    def post(self, request, course_id, pk):
        member = self.member(pk)
        user = member.user
        with transaction.atomic():
            member.delete()
        messages.success(request, f"{user.get_username()} is no longer on the team.")
        return redirect(url("team", self.course.pk))


urlpatterns = [
    path("", IndexView.as_view(), name="index"),
    path("<id:course_id>/", TeamView.as_view(), name="team"),
    path("<id:course_id>/<id:pk>/role/", RoleView.as_view(), name="role"),
    path("<id:course_id>/<id:pk>/remove/", RemoveView.as_view(), name="remove"),
]


@hooks.register("register_admin_urls")
def register_team_urls():
    return [path("teams/", include((urlpatterns, NAMESPACE), namespace=NAMESPACE))]


class TeamsMenuItem(MenuItem):
    """Shown to those who are staff of some course."""

    def is_shown(self, request):
        return staff_courses(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_teams_menu_item():
    return TeamsMenuItem(
        "Course teams", url("index"), name="course-teams", icon_name="group", order=255
    )


class TeamButton(PageMenuItem):
    label = "Team"
    icon_name = "group"

    @property
    def url(self):
        return url("team", self.page.pk)

    def is_shown(self, user):
        return self.page.specific_class is CoursePage and is_course_staff(
            user, self.page
        )


@hooks.register("register_page_header_buttons")
def team_header_button(page, user, view_name, next_url=None):
    yield TeamButton(page=page, priority=68)


@hooks.register("register_page_listing_more_buttons")
def team_listing_button(page, user, next_url=None):
    yield TeamButton(page=page, priority=55)
