"""Throttling of anonymous API callers, counted in fixed windows."""

from rest_framework.throttling import AnonRateThrottle


class AnonWindowThrottle(AnonRateThrottle):
    """DRF's anonymous rate ("anon" in DEFAULT_THROTTLE_RATES), one counter a window.

    DRF's own throttle keeps the time of each of the caller's requests in the last
    period as one cached list, read and written whole on every request: thousands of
    floats at a generous rate (a school behind one address, a load test). This one
    counts requests per caller and period-long window in a single small cache entry
    (one increment). The cost of a window: at its edge a caller may
    send up to twice the rate within a short span.
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        try:
            count = self.cache.incr(key)
        except ValueError:  # the window's first request
            count = 1 if self.cache.add(key, 1, self.duration + 1) else None
            if count is None:  # another process added it in between
                count = self.cache.incr(key)
        # No count (the cache is unreachable): let the request through.
        if count is None or count <= self.num_requests:
            return True
        return self.throttle_failure()

    def wait(self):
        return max(0.0, self.window_ends - self.now)
