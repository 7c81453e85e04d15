"""Pages: sign up, log in / out, edit profile, follow button, followers / following lists."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import selectors, services, throttle
from accounts.forms import LoginForm, ProfileForm, SignupForm
from accounts.models import UserSession

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _start_session(request, user) -> None:
    login(request, user, backend=BACKEND)
    services.remember_session(user=user, session=request.session)


def signup(request):
    """Create an account and sign in."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.sign_up(
                username=data["username"], password=data["password"], display_name=data["display_name"], bio=data["bio"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            _start_session(request, user)
            messages.success(request, f"Welcome to Chirp, {user.name}!")
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


def login_view(request):
    """Log in with username and password; throttled after repeated failures."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.authenticate_user(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=throttle.client_ip(request),
            )
        except services.LoginRefused as refused:
            form.add_error(None, refused.message)
            status = 429 if refused.retry_after is not None else 400
        else:
            _start_session(request, user)
            return redirect(_next_url(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "accounts/login.html", context, status=status)


@require_POST
def logout_view(request):
    """End the browser session."""
    if request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def edit_profile(request):
    """Change the display name and bio."""
    user = request.user
    form = ProfileForm(request.POST or None, initial={"display_name": user.display_name, "bio": user.bio})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(
                user=user, display_name=form.cleaned_data["display_name"], bio=form.cleaned_data["bio"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("profile", user.username)
        user.refresh_from_db()
    status = 400 if form.errors else 200
    return render(request, "accounts/edit_profile.html", {"form": form, "profile": user}, status=status)


def _follow_change(request, username: str, *, following: bool):
    if not request.user.is_authenticated:
        login_url = f"{reverse('login')}?next={reverse('profile', args=[username])}"
        if _is_htmx(request):
            return HttpResponse(status=204, headers={"HX-Redirect": login_url})
        return redirect(login_url)
    target = selectors.get_active_user(username)
    if following:
        try:
            services.follow(follower=request.user, followee=target)
        except services.FollowError as exc:
            if _is_htmx(request):
                return HttpResponse(str(exc), status=400)
            messages.error(request, str(exc))
            return redirect("profile", target.username)
    else:
        services.unfollow(follower=request.user, followee=target)
    if not _is_htmx(request):
        return redirect(_next_url(request) if request.POST.get("next") else reverse("profile", args=[target.username]))
    target.refresh_from_db(fields=["followers_count"])
    context = {"target": target, "state": {"following": following}, "counts": bool(request.POST.get("counts"))}
    return render(request, "accounts/_follow_response.html", context)


@require_POST
def follow_view(request, username):
    """Follow (htmx: answer with the new button; plain form: go back)."""
    return _follow_change(request, username, following=True)


@require_POST
def unfollow_view(request, username):
    """Unfollow (htmx: answer with the new button; plain form: go back)."""
    return _follow_change(request, username, following=False)


def _people(request, username: str, which: str):
    profile = selectors.get_active_user(username)
    lister = selectors.list_followers if which == "followers" else selectors.list_following
    try:
        page = lister(profile, cursor=request.GET.get("cursor"))
    except ValueError:
        raise Http404("No such page.")
    followed = selectors.followed_ids(request.user, [p.pk for p in page.people])
    rows = [{"person": p, "state": {"following": p.pk in followed}} for p in page.people]
    next_url = f"{request.path}?cursor={page.next_cursor}" if page.next_cursor else None
    context = {"rows": rows, "next_url": next_url, "which": which, "profile": profile}
    if _is_htmx(request) and request.GET.get("cursor"):
        return render(request, "accounts/_people_page.html", context)
    context["follow_state"] = selectors.follow_state(request.user, profile)
    return render(request, "accounts/people.html", context)


def followers(request, username):
    """The people who follow someone."""
    return _people(request, username, "followers")


def following(request, username):
    """The people someone follows."""
    return _people(request, username, "following")
