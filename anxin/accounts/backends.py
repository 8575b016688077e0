from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from anxin.accounts.models import User
from anxin.accounts.selectors import is_locked_out


class UsernameOrMobileBackend(ModelBackend):
    """Log in with a username or an 11-digit mobile number; refuse while locked out."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        login = username or kwargs.get(User.USERNAME_FIELD)
        if not login or password is None:
            return None
        login = login.strip()
        if is_locked_out(login):
            if request is not None:
                request.anxin_locked_out = True  # type: ignore[attr-defined]
            return None
        user = User.objects.filter(Q(username=login) | Q(mobile=login)).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        # A lockout is per account: failures under the username also lock the
        # mobile number and the other way round.
        other_names = {user.username, user.mobile or ""} - {login, ""}
        if any(is_locked_out(name) for name in other_names):
            if request is not None:
                request.anxin_locked_out = True  # type: ignore[attr-defined]
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
