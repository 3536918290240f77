"""How students get into a course: the one service every door uses (the site's
buttons, the API, the admin, invitations).

A course's EnrollmentSettings (none: open, always, unlimited) say the mode (open,
key, invitation, approval), the window (opens, closes) and the capacity with an
optional waitlist. Every seat is taken or given back under one lock, the course's
settings row (`select_for_update`; on SQLite the database's write lock), so the seat
count read and the row written cannot interleave with another request's: a full
course never takes one more, and the waitlist keeps arrival order (created, pk).

Keys are stored hashed as passwords are. Wrong keys are counted per student and
course in the cache (KEY_GUESSES per KEY_GUESS_SECONDS); past that even the right
key is refused until the window ends, so a key cannot be guessed by trying.

What the course page shows is cached under a course-wide tag (`seats_tag`) that
every change of seats, waitlist or settings replaces, and, for each student, under
their own enrollments tag too.
"""

import functools
import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.formats import date_format

from classroom.models import Enrollment, EnrollmentSettings, WaitlistEntry
from sitecache import tags

log = logging.getLogger(__name__)

ENROLLED = "enrolled"
ALREADY = "already"
WAITLISTED = "waitlisted"
REQUESTED = "requested"
REFUSED = "refused"

KEY_GUESSES = 5
KEY_GUESS_SECONDS = 15 * 60
# Longer input is never a key: it is refused before hashing (hashing costs time).
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Outcome:
    """What became of a request to enroll.

    `status`: enrolled, already, waitlisted, requested or refused. `position`: the
    place on the waitlist (1 is next). `reason`: a sentence for people. `code`
    names a refusal for programs (not_open, closed, invitation, key_needed,
    wrong_key, throttled, full); `retry_after` the seconds a throttled student waits.
    """

    status: str
    position: int | None = None
    reason: str = ""
    code: str = ""
    retry_after: int | None = None

    @property
    def enrolled(self):
        return self.status in (ENROLLED, ALREADY)


def refused(code, reason, retry_after=None):
    return Outcome(REFUSED, reason=reason, code=code, retry_after=retry_after)


# --- Settings -------------------------------------------------------------------


def settings_of(course):
    """The course's EnrollmentSettings, or an unsaved default (open) one."""
    try:
        return EnrollmentSettings.objects.get(course_id=course.pk)
    except EnrollmentSettings.DoesNotExist:
        return EnrollmentSettings(course_id=course.pk)


def set_key(settings, raw_key):
    """Store `raw_key` hashed (not saved: the caller saves). An empty key clears it."""
    settings.key_hash = make_password(raw_key) if raw_key else ""
    return settings


def key_matches(settings, raw_key):
    if not settings.key_hash or not raw_key or len(raw_key) > MAX_KEY_LENGTH:
        return False
    return check_password(raw_key, settings.key_hash)


def when(moment):
    """A moment as the site shows it (its time zone)."""
    return date_format(timezone.localtime(moment), "j F Y, H:i T")


def window_refusal(settings, now):
    """The refusal of the enrollment window at `now`, or None while it is open
    (opens is the first moment in, closes the first moment out)."""
    if settings.opens is not None and now < settings.opens:
        return refused("not_open", f"Enrollment opens on {when(settings.opens)}.")
    if settings.closes is not None and now >= settings.closes:
        return refused("closed", "Enrollment in this course is closed.")
    return None


# --- Key guessing ---------------------------------------------------------------


def _guess_key(student, course, window):
    ident = f"{student.pk}:{course.pk}"
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"limits:enroll-key:{digest}:{window}"


def key_guess_wait(student, course):
    """Seconds until `student` may try a key for `course` again, or None."""
    now = time.time()
    window = int(now // KEY_GUESS_SECONDS)
    try:
        count = cache.get(_guess_key(student, course, window)) or 0
    except Exception:  # the cache is down: not counted, as limits.hit does
        log.warning("Cannot count enrollment key guesses: letting them through")
        return None
    if count < KEY_GUESSES:
        return None
    return max(1, math.ceil((window + 1) * KEY_GUESS_SECONDS - now))


def take_key_guess(student, course):
    """Count a try of a key before it is checked, in one atomic step: tries sent at
    once each take a slot (a count read before the slow check would let them all
    through). Seconds to wait when over the limit, else None (also when the cache
    cannot count, as limits.hit does)."""
    now = time.time()
    window = int(now // KEY_GUESS_SECONDS)
    key = _guess_key(student, course, window)
    try:
        try:
            count = cache.incr(key)
        except ValueError:  # the window's first try
            count = 1 if cache.add(key, 1, KEY_GUESS_SECONDS + 1) else cache.incr(key)
    except Exception:
        log.warning("Cannot count enrollment key guesses: letting them through")
        return None
    if count is None or count <= KEY_GUESSES:
        return None
    return max(1, math.ceil((window + 1) * KEY_GUESS_SECONDS - now))


def give_back_key_guess(student, course):
    """A right key takes no slot."""
    key = _guess_key(student, course, int(time.time() // KEY_GUESS_SECONDS))
    try:
        cache.decr(key)
    except Exception:  # gone (a new window) or the cache is down: nothing to give
        log.debug("No key guess to give back")


def ordinal(number):
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st..."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def wait_text(seconds):
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


# --- The lock and the seats -----------------------------------------------------


def _locked(course):
    """The course's settings row, locked until the transaction ends."""
    settings, _ = EnrollmentSettings.objects.select_for_update().get_or_create(
        course_id=course.pk
    )
    return settings


def _taken(course):
    return Enrollment.objects.filter(course_id=course.pk).count()


def _position(entry):
    earlier = Q(created__lt=entry.created) | Q(created=entry.created, pk__lt=entry.pk)
    waiting = WaitlistEntry.objects.filter(
        course_id=entry.course_id, kind=WaitlistEntry.WAITING
    )
    return waiting.filter(earlier).count() + 1


def _fill_seats(settings, course):
    """Under the lock: enroll the first waiting while seats are free. Returns the
    students promoted (to be told once the transaction commits)."""
    waiting = WaitlistEntry.objects.filter(
        course_id=course.pk, kind=WaitlistEntry.WAITING
    ).select_related("student")
    if settings.capacity is None:
        entries = list(waiting)
    else:
        free = settings.capacity - _taken(course)
        if free <= 0:
            return []
        entries = list(waiting[:free])
    for entry in entries:
        Enrollment.objects.get_or_create(student_id=entry.student_id, course=course)
        entry.delete()
    return [entry.student for entry in entries]


def _tell_promoted(course, students):
    for student in students:
        transaction.on_commit(functools.partial(mail_seat_given, course, student))


def mail_seat_given(course, student):
    if not student.email:
        return
    url = course.get_full_url()
    body = (
        f"Hello {student.get_username()},\n\n"
        f"A seat opened in {course.title} and you were first on its waitlist: "
        "you are now enrolled."
    )
    if url:
        body += f"\n\nOpen the course: {url}"
    try:
        send_mail(f"You are enrolled in {course.title}", body, None, [student.email])
    except Exception:  # the seat is taken either way; the page shows it
        log.exception("Could not mail %s about their seat", student.pk)


def _take_seat(student, course, beyond_capacity=False):
    with transaction.atomic():
        settings = _locked(course)
        promoted = _fill_seats(settings, course)  # those waiting come first
        _tell_promoted(course, promoted)
        if Enrollment.objects.filter(student=student, course_id=course.pk).exists():
            return Outcome(ALREADY)
        if (
            beyond_capacity
            or settings.capacity is None
            or _taken(course) < settings.capacity
        ):
            Enrollment.objects.create(student=student, course=course)
            WaitlistEntry.objects.filter(student=student, course_id=course.pk).delete()
            return Outcome(ENROLLED)
        if not settings.waitlist:
            return refused("full", "This course is full.")
        entry, created = WaitlistEntry.objects.get_or_create(
            student=student, course=course
        )
        if entry.kind != WaitlistEntry.WAITING:
            # An approved request waits behind those already waiting.
            entry.kind = WaitlistEntry.WAITING
            entry.created = timezone.now()
            entry.save(update_fields=["kind", "created"])
        return Outcome(WAITLISTED, position=_position(entry))


def _existing(student, course):
    """already / waitlisted / requested for a student who has asked before, else
    None."""
    if Enrollment.objects.filter(student=student, course_id=course.pk).exists():
        return Outcome(ALREADY)
    entry = WaitlistEntry.objects.filter(student=student, course_id=course.pk).first()
    if entry is None:
        return None
    if entry.kind == WaitlistEntry.WAITING:
        return Outcome(WAITLISTED, position=_position(entry))
    return Outcome(REQUESTED, reason=REQUEST_SENT)


REQUEST_SENT = "Your request to enroll was sent. The course's staff will answer it."


def enroll(student, course, key=None, now=None):
    """A student asks to enroll: the course's mode, window, key and capacity
    decide. Asking again answers where they stand (already, waitlisted...)."""
    now = now or timezone.now()
    known = _existing(student, course)
    if known is not None:
        return known
    settings = settings_of(course)
    refusal = window_refusal(settings, now)
    if refusal is not None:
        return refusal
    if settings.mode == EnrollmentSettings.INVITATION:
        return refused("invitation", "This course is by invitation only.")
    if settings.mode == EnrollmentSettings.KEY:
        if not key:
            wait = key_guess_wait(student, course)
            if wait is None:
                return refused("key_needed", "Enter the enrollment key to enroll.")
        else:
            wait = take_key_guess(student, course)
        if wait is not None:
            return refused(
                "throttled",
                f"Too many wrong keys. Try again in {wait_text(wait)}.",
                retry_after=wait,
            )
        # Outside the lock: hashing takes a while.
        if not key_matches(settings, key):
            return refused("wrong_key", "That key is not right.")
        give_back_key_guess(student, course)
    if settings.mode == EnrollmentSettings.APPROVAL:
        return request_to_enroll(student, course)
    return _take_seat(student, course)


def request_to_enroll(student, course):
    """In an approval course: a request waits for the staff (`approve`)."""
    with transaction.atomic():
        _locked(course)
        known = _existing(student, course)
        if known is not None:
            return known
        WaitlistEntry.objects.create(
            student=student, course=course, kind=WaitlistEntry.REQUESTED
        )
    return Outcome(REQUESTED, reason=REQUEST_SENT)


def admit(student, course, beyond_capacity=False, now=None):
    """Enroll on the staff's word or an invitation: no mode, window or key; the
    capacity holds unless `beyond_capacity` (when full, the waitlist if any)."""
    return _take_seat(student, course, beyond_capacity=beyond_capacity)


def approve(entry, by=None):
    """The staff accept a request (or give a waiting student a seat in turn)."""
    return admit(entry.student, entry.course)


def refuse(entry, by=None):
    """The staff turn down a request, or take a student off the waitlist."""
    with transaction.atomic():
        _locked(entry.course)
        WaitlistEntry.objects.filter(pk=entry.pk).delete()


def leave(student, course):
    """Leave the course (or its waitlist, or withdraw a request); a freed seat goes
    to the first waiting, under the same lock, who is told by email. Whether
    anything was left."""
    with transaction.atomic():
        settings = _locked(course)
        left, _ = Enrollment.objects.filter(
            student=student, course_id=course.pk
        ).delete()
        withdrawn, _ = WaitlistEntry.objects.filter(
            student=student, course_id=course.pk
        ).delete()
        _tell_promoted(course, _fill_seats(settings, course) if left else [])
    return bool(left or withdrawn)


def leave_waitlist(student, course):
    """Leave the waitlist or withdraw a request (an enrollment stays). Whether the
    student was waiting."""
    with transaction.atomic():
        _locked(course)
        withdrawn, _ = WaitlistEntry.objects.filter(
            student=student, course_id=course.pk
        ).delete()
    return bool(withdrawn)


def remove(student, course, by=None):
    """The staff take a student out of the course: as `leave`."""
    return leave(student, course)


def fill_seats(course):
    """Give free seats to those waiting (after the capacity grew)."""
    with transaction.atomic():
        settings = _locked(course)
        promoted = _fill_seats(settings, course)
        _tell_promoted(course, promoted)
    return promoted


SETTING_FIELDS = ("mode", "opens", "closes", "capacity", "waitlist")


def update_settings(course, key=None, **changes):
    """Change the course's settings under the lock (`key`: a new key to hash; None
    keeps the old one), then give any seats that freed up to those waiting."""
    unknown = set(changes) - set(SETTING_FIELDS)
    if unknown:
        raise TypeError(f"Not enrollment settings: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        settings = _locked(course)
        for name, value in changes.items():
            setattr(settings, name, value)
        if key is not None:
            set_key(settings, key)
        settings.save()
        _tell_promoted(course, _fill_seats(settings, course))
    return settings


def waitlist_position(student, course):
    """1 for the next to get a seat; None when not waiting."""
    entry = WaitlistEntry.objects.filter(
        student=student, course_id=course.pk, kind=WaitlistEntry.WAITING
    ).first()
    return None if entry is None else _position(entry)


def seats_left(course):
    """Free seats, None for no limit."""
    capacity = settings_of(course).capacity
    if capacity is None:
        return None
    return max(0, capacity - _taken(course))


# --- What pages and the API show (cached) ---------------------------------------


def seats_tag(course_pk):
    """Every entry showing a course's seats, waitlist or enrollment settings."""
    return f"seats:{course_pk}"


def summaries(courses):
    """{course pk: summary} in three queries for any number of courses. A summary
    is a dict: mode, opens, closes, capacity, waitlist, taken (None without a
    limit), waiting, seats_left (None without a limit)."""
    pks = [course.pk for course in courses]
    rows = {row.course_id: row for row in EnrollmentSettings.objects.filter(pk__in=pks)}
    limited = [pk for pk, row in rows.items() if row.capacity is not None]
    taken = dict(
        Enrollment.objects.filter(course_id__in=limited)
        .values("course_id")
        .annotate(n=Count("pk"))
        .values_list("course_id", "n")
    )
    waiting = dict(
        WaitlistEntry.objects.filter(course_id__in=pks, kind=WaitlistEntry.WAITING)
        .values("course_id")
        .annotate(n=Count("pk"))
        .values_list("course_id", "n")
    )
    result = {}
    for pk in pks:
        settings = rows.get(pk) or EnrollmentSettings(course_id=pk)
        count = taken.get(pk, 0) if settings.capacity is not None else None
        result[pk] = {
            "mode": settings.mode,
            "opens": settings.opens,
            "closes": settings.closes,
            "capacity": settings.capacity,
            "waitlist": settings.waitlist,
            "taken": count,
            "waiting": waiting.get(pk, 0),
            "seats_left": None
            if settings.capacity is None
            else max(0, settings.capacity - count),
        }
    return result


def attach_summaries(courses):
    """Set `course.enrollment_summary` on each of `courses` (three queries)."""
    found = summaries(courses)
    for course in courses:
        course.enrollment_summary = found[course.pk]
    return courses


def course_summary(course):
    """The course's summary (see `summaries`), cached under its seats tag and every
    enrollment ("enrollments", replaced whichever door enrolls)."""
    return tags.remember(
        "enrollment-summary",
        [course.pk],
        lambda: summaries([course])[course.pk],
        [seats_tag(course.pk), "enrollments"],
    )


def standing(student, course):
    """(kind, position) of the student's waitlist entry in `course`, or None."""

    def compute():
        entry = WaitlistEntry.objects.filter(
            student=student, course_id=course.pk
        ).first()
        if entry is None:
            return None
        if entry.kind == WaitlistEntry.WAITING:
            return (WAITLISTED, _position(entry))
        return (REQUESTED, None)

    return tags.remember(
        "enrollment-standing",
        [student.pk, course.pk],
        compute,
        [tags.user_tag("enrollments", student.pk), seats_tag(course.pk)],
    )


def page_state(student, course, now=None):
    """What the course page tells `student` (None: a visitor) beyond enrolled:
    a dict with `state` (waitlisted, requested, not_open, closed, invitation, full,
    join_waitlist, key, approval, open), `position`, `would_be` and the summary."""
    now = now or timezone.now()
    summary = course_summary(course)
    result = {**summary, "position": None, "would_be": summary["waiting"] + 1}
    if student is not None and student.is_authenticated:
        found = standing(student, course)
        if found is not None:
            result["state"], result["position"] = found
            return result
    opens, closes = summary["opens"], summary["closes"]
    full = summary["seats_left"] == 0
    if opens is not None and now < opens:
        state = "not_open"
    elif closes is not None and now >= closes:
        state = "closed"
    elif summary["mode"] == EnrollmentSettings.INVITATION:
        state = "invitation"
    elif summary["mode"] == EnrollmentSettings.APPROVAL:
        state = "approval"
    elif full:
        state = "join_waitlist" if summary["waitlist"] else "full"
    elif summary["mode"] == EnrollmentSettings.KEY:
        state = "key"
    else:
        state = "open"
    result["state"] = state
    return result


# --- Cache tags on every change, whichever door made it -------------------------


def _seats_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    tags.changed(seats_tag(instance.course_id))
    if sender is WaitlistEntry:
        tags.changed(tags.user_tag("enrollments", instance.student_id))


def connect():
    for signal in (post_save, post_delete):
        for model in (Enrollment, EnrollmentSettings, WaitlistEntry):
            signal.connect(
                _seats_changed,
                sender=model,
                dispatch_uid=f"classroom.enrollment.{model.__name__}.{id(signal)}",
            )
