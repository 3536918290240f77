"""Cache entries that are never stale: keyed by the tokens of the *tags* they show.

A tag names one thing that can change: a page (`page:12`), what is listed below a
page (`below:7`), one user's enrollments (`enrollments:user:40`), the page tree's
shape (`tree`). Its *token* is a random string stored in the cache; whoever changes
the thing replaces the token (`changed("page:12")`). An entry's key holds the
tokens of every tag it was computed from (`key(name, parts, tags)`), so once one of
them is replaced the entry is never asked for again, and the cache reclaims it
(LRU, or ENTRY_TIMEOUT). Nothing is ever deleted, and a change forgets only the
entries that show what changed.

Exactness rests on one order: the tokens are read *before* the data an entry is
computed from. `remember` does so; within a request the tokens are read once, at
the start (`request_scope`: every token a request needs, in one round trip with the
session) or at first use, and kept for the request. A change replaces the token
again after its transaction commits (`changed`): a reader that read the rows before
the commit read a token that the second replacement retires.

Every token carries the *epoch*'s, replaced after a cache outage (entries stored
before it may have missed invalidations) and after each release (`migrate`).
An entry never changes once written, so each process keeps copies of those it used
(`LocalCopies`) and asks the cache only for the tokens.
"""

import contextlib
import contextvars
import functools
import hashlib
import logging
import pickle
import threading
import uuid
from collections import OrderedDict

from django.core.cache import cache
from django.db import transaction

from sitecache.backend import breaker, cache_unavailable

logger = logging.getLogger(__name__)

EPOCH = "epoch"
# Tags that most requests read: fetched at the start of every request.
GLOBAL_TAGS = [EPOCH, "tree", "sites", "privacy", "owners", "files", "permissions"]
# A user's own tags, fetched with their session (see `session_users`).
USER_TAGS = ["user:{pk}", "enrollments:user:{pk}", "progress:user:{pk}"]

# Entries are unreachable once a token moves on; the timeout only lets the cache
# reclaim them without an LRU policy. Never needed for correctness.
ENTRY_TIMEOUT = 24 * 3600
RETRY_SECONDS = 0.2

_MISSING = object()

# Within a request: the tokens read and the entries used (see request_scope).
_request_memo = contextvars.ContextVar("sitecache_memo", default=None)
# In a request's memo: the tags whose tokens it replaced (see key_as_read).
_REPLACED = "sitecache:replaced-in-this-request"

# Tags whose replacement failed (cache unreachable): replaced again before this
# process reads them, and by a timer meanwhile, so entries written before an outage
# cannot come back into use after it.
pending_replacements = set()


def token_key(tag):
    return f"sitecache:tag:{tag}"


def register_user_tags(*names):
    """Apps name the tags of a user's own that most of that user's requests read
    (`<name>:user:<pk>`): they come with the session's round trip."""
    for name in names:
        tag = user_tag(name, "{pk}")
        if tag not in USER_TAGS:
            USER_TAGS.append(tag)


def user_tags(user_pk):
    return [each.format(pk=user_pk) for each in USER_TAGS]


def user_tag(name, user_pk):
    """`name`'s tag of one user: `user_tag("progress", 4)` is "progress:user:4"."""
    return f"{name}:user:{user_pk}"


# --- Tokens ---------------------------------------------------------------------


def stored_tokens(tags):
    """The token of each of `tags` (without the epoch's): from this request's memo,
    else in one round trip to the cache; made on first use."""
    for tag in tags:
        if tag in pending_replacements:
            replace(tag)
    memo = _request_memo.get()
    tokens = {}
    missing = []
    for tag in tags:
        token = memo.get(token_key(tag)) if memo is not None else None
        if token is None:
            missing.append(tag)
        else:
            tokens[tag] = token
    if missing:
        found = cache.get_many([token_key(tag) for tag in missing])
        for tag in missing:
            key = token_key(tag)
            token = found.get(key)
            if token is None:
                token = uuid.uuid4().hex
                # add() keeps a token another process stored in the meantime.
                if not cache.add(key, token, timeout=None):
                    token = cache.get(key) or token
            tokens[tag] = token
            if memo is not None:
                memo[key] = token
    return tokens


def epoch():
    token = stored_tokens([EPOCH])[EPOCH]
    epoch_hint.value = token
    return token


def token(tag):
    """The tag's token as entries are keyed by it (with the epoch's)."""
    tokens = stored_tokens([EPOCH, tag])
    epoch_hint.value = tokens[EPOCH]
    return f"{tokens[EPOCH]}.{tokens[tag]}"


class EpochHint:
    """The epoch this process saw last: sessions are keyed by it, since a session is
    read in the same round trip as the epoch (sitecache.sessions). A stale hint
    costs a cache miss (the session then loads from the database), never a stale
    session."""

    value = ""


epoch_hint = EpochHint()


def replace(tag):
    """Store a new token for `tag`: every entry keyed by the old one is gone."""
    new = uuid.uuid4().hex
    key = token_key(tag)
    cache.set(key, new, timeout=None)
    memo = _request_memo.get()
    if memo is not None:
        memo[key] = new
        memo.setdefault(_REPLACED, set()).add(tag)
    # A failed write is silent (the backend answers outages); read it back to know.
    if cache.get(key) == new:
        pending_replacements.discard(tag)
    else:
        logger.warning("Could not replace the cache tag %s; will retry", tag)
        pending_replacements.add(tag)
        retry_timer.schedule()
    return new


class RetryTimer:
    """Retries pending replacements every RETRY_SECONDS until the cache takes them,
    whether or not this process serves a request meanwhile."""

    def __init__(self):
        self.lock = threading.Lock()
        self.timer = None

    def schedule(self):
        with self.lock:
            if self.timer is None:
                self.timer = threading.Timer(RETRY_SECONDS, self.run)
                self.timer.daemon = True
                self.timer.start()

    def run(self):
        with self.lock:
            self.timer = None
        # Past the circuit breaker: the cache is tried at once, every time.
        with breaker.probing():
            for tag in list(pending_replacements):
                replace(tag)

    def cancel(self):
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None


retry_timer = RetryTimer()


def on_cache_unavailable(**kwargs):
    """Whatever the cache holds may have missed invalidations: a new epoch once the
    cache is back (and before this process reads it again)."""
    pending_replacements.add(EPOCH)
    retry_timer.schedule()


cache_unavailable.connect(on_cache_unavailable, dispatch_uid="sitecache.outage")


@functools.lru_cache(maxsize=4096)
def _replacer(tag):
    # One callable per tag, so that one transaction registers it once (see changed).
    return functools.partial(replace, tag)


def changed(*tags):
    """What `tags` name has changed: replace their tokens now and after commit.

    The second replacement retires entries that a concurrent request computed from
    the rows as they were before the commit, under the first new token.
    """
    for tag in tags:
        bump = _replacer(tag)
        bump()
        connection = transaction.get_connection()
        # One publish saves the page several times: once per transaction is enough.
        if connection.in_atomic_block and any(
            func is bump for _sids, func, _robust in connection.run_on_commit
        ):
            continue
        transaction.on_commit(bump)


def forget_everything():
    """A new epoch: no entry stored before is used again (a release, a bulk load)."""
    replace(EPOCH)


# --- Entries --------------------------------------------------------------------


def key(name, parts, tags):
    """The key of entry `name` for `parts`, computed from what `tags` name.

    Reads the tags' tokens (before the data: see the module's doc). Parts taken
    from a request (a path, a host) are hashed: keys stay short however long the
    address. A `name` holds one shape of value: give a new shape a new name
    (processes of the previous release may still be running).
    """
    tags = sorted(set(tags))
    tokens = stored_tokens([EPOCH, *tags])
    epoch_hint.value = tokens[EPOCH]
    return _entry_key(name, parts, tags, tokens)


def key_as_read(name, parts, tags):
    """The key of entry `name` for a value made *before* its key is asked for (a
    whole response), from the tokens this request read, as it read them: `key`
    would replace a token awaiting replacement and key the value by the new one.
    None, and the value must not be stored, when a tag's token was not read, was
    replaced during the request or awaits a replacement (what the value was made
    from may have missed an invalidation)."""
    memo = _request_memo.get()
    if memo is None:
        return None
    tags = sorted(set(tags))
    replaced = memo.get(_REPLACED, ())
    tokens = {}
    for tag in [EPOCH, *tags]:
        token = memo.get(token_key(tag))
        if token is None or tag in replaced or tag in pending_replacements:
            return None
        tokens[tag] = token
    return _entry_key(name, parts, tags, tokens)


def _entry_key(name, parts, tags, tokens):
    version = hashlib.sha256(
        "\0".join(f"{tag}={tokens[tag]}" for tag in [EPOCH, *tags]).encode()
    ).hexdigest()[:24]
    digest = hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"sitecache:{name}:{version}:{digest}"


def remember(name, parts, compute, tags):
    """`compute()`, cached under what `tags` name (exact: see the module's doc)."""
    return remembered(key(name, parts, tags), compute)


def remembered(entry_key, compute):
    """The entry at `entry_key`, made by `compute()` when missing."""
    value = shared_get(entry_key, _MISSING)
    if value is _MISSING:
        value = compute()
        shared_set(entry_key, value)
    return value


class LocalCopies:
    """This process's copies of entries that never change once written.

    An entry's key names the tokens it was computed under, so a copy kept in the
    process is as exact as the shared cache, and saves a round trip to it. Values
    are kept pickled (each reader gets objects of its own, as from Redis), least
    recently used first out past `max_bytes`.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.size = 0
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, entry_key):
        with self.lock:
            data = self.entries.get(entry_key)
            if data is None:
                return _MISSING
            self.entries.move_to_end(entry_key)
        return pickle.loads(data)  # noqa: S301 - our own values, never user input

    def put(self, entry_key, value):
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self.lock:
            old = self.entries.pop(entry_key, None)
            self.size -= len(old) if old is not None else 0
            self.entries[entry_key] = data
            self.size += len(data)
            while self.size > self.max_bytes and self.entries:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped)

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.size = 0


local_copies = LocalCopies(max_bytes=32 * 1024 * 1024)


def shared_get(entry_key, default=None):
    """An entry: from this request's memo, else this process's copies, else the
    cache. (Within a request every reader of a key gets the same object: a page and
    its per-user parts read one copy of the course's outline.)"""
    memo = _request_memo.get()
    if memo is not None:
        value = memo.get(entry_key, _MISSING)
        if value is not _MISSING:
            return value
    value = local_copies.get(entry_key)
    if value is _MISSING:
        value = cache.get(entry_key, _MISSING)
        if value is _MISSING:
            return default
        local_copies.put(entry_key, value)
    if memo is not None:
        memo[entry_key] = value
    return value


def shared_set(entry_key, value):
    """Store an entry in the cache and in this process."""
    cache.set(entry_key, value, timeout=ENTRY_TIMEOUT)
    local_copies.put(entry_key, value)
    memo = _request_memo.get()
    if memo is not None:
        memo[entry_key] = value


# --- One round trip per request ---------------------------------------------------


@contextlib.contextmanager
def request_scope(tags=(), keys=()):
    """Read the tokens of `tags` (and the entries at `keys`) in one round trip, and
    keep them, with every token and entry read later, until the scope ends."""
    # A page's tags repeat some site-wide ones: ask for each key once.
    wanted = list(
        dict.fromkeys([*(token_key(tag) for tag in (*GLOBAL_TAGS, *tags)), *keys])
    )
    # A dict of this scope's own: what the request adds must not outlive it.
    memo = dict(cache.get_many(wanted))
    if EPOCH in pending_replacements:
        # The cache was away (or restarted) since this process last read it, and
        # its timer has not yet made the new epoch: nothing it just answered may be
        # used (a session ended meanwhile, say); the epoch is replaced below.
        memo.clear()
    scope = _request_memo.set(memo)
    try:
        if memo.get(token_key(EPOCH)):
            epoch_hint.value = memo[token_key(EPOCH)]
        else:
            # A new epoch (an empty cache, an outage over): made now, so that what
            # the request stores (its session first) is keyed by it.
            epoch()
        yield memo
    finally:
        _request_memo.reset(scope)


def tags_read():
    """The tags whose tokens this request has read so far (those its first round
    trip fetched included), but the epoch, which every key names anyway."""
    memo = _request_memo.get()
    if memo is None:
        return []
    prefix = token_key("")
    return sorted(
        key[len(prefix) :]
        for key in memo
        if key.startswith(prefix) and key != token_key(EPOCH)
    )


def prefetched(entry_key):
    """An entry read with this request's first round trip (or _MISSING)."""
    memo = _request_memo.get()
    return _MISSING if memo is None else memo.pop(entry_key, _MISSING)


class Hints:
    """Process-local, least recently used first out: which tags (or which user) a
    request like this one needed last time, to read them in its first round trip.
    Only a hint: a wrong or missing entry costs one more round trip, never a wrong
    answer (every entry's key names its tokens)."""

    def __init__(self, max_entries):
        self.max_entries = max_entries
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, hint_key):
        with self.lock:
            return self.entries.get(hint_key)

    def put(self, hint_key, value):
        with self.lock:
            if self.entries.get(hint_key) == value:
                self.entries.move_to_end(hint_key)
                return
            self.entries[hint_key] = value
            if len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()


# Which user each recently seen session names (filled by sitecache.sessions).
session_users = Hints(max_entries=20_000)
# Which tags the page at an address showed (filled by sitecache.pages).
path_tags = Hints(max_entries=20_000)
# Which tags a user's page at an address was made from (sitecache.middleware).
user_page_tags = Hints(max_entries=20_000)
