"""The accounts API: sign-up, tokens, the signed-in person, profiles, follows and people lists."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services, throttle
from accounts.serializers import (
    FollowOut,
    PeopleOut,
    ProfileIn,
    RefreshIn,
    SignupIn,
    SignupOut,
    TokenIn,
    TokenOut,
    UserOut,
    person_payload,
    user_payload,
)
from twitter_site.api_errors import error_responses


class LoginThrottled(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"

    def __init__(self, message: str, wait: int):
        super().__init__(message)
        self.wait = wait  # DRF turns this into a Retry-After header


def _login_or_raise(request, username: str, password: str):
    try:
        return services.authenticate_user(username=username, password=password, ip=throttle.client_ip(request))
    except services.LoginRefused as refused:
        if refused.retry_after is not None:
            raise LoginThrottled(refused.message, refused.retry_after)
        raise exceptions.AuthenticationFailed(refused.message)


class PublicAuthView(APIView):
    """Endpoints that take credentials in the body: no other authentication, open to everyone."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    def get_authenticate_header(self, request):
        return "Bearer"


class SignupApi(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        summary="Create an account",
        request=SignupIn,
        responses={201: SignupOut, **error_responses(400)},
        description="Creates the account and returns a token pair for it, like POST /auth/token.",
    )
    def post(self, request):
        data = _valid(SignupIn, request.data)
        try:
            user = services.sign_up(**data)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict)
        pair = services.issue_tokens(user=user)
        return Response({**pair.as_dict(), "user": user_payload(user, signed_in=True)}, status=201)


class TokenApi(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        summary="Log in: trade a username and password for a token pair",
        request=TokenIn,
        responses={200: TokenOut, **error_responses(400, 401, 429)},
    )
    def post(self, request):
        data = _valid(TokenIn, request.data)
        user = _login_or_raise(request, data["username"], data["password"])
        return Response(services.issue_tokens(user=user).as_dict())


class TokenRefreshApi(PublicAuthView):
    @extend_schema(
        tags=["auth"],
        summary="Trade a refresh token for a new pair (the old refresh token stops working)",
        request=RefreshIn,
        responses={200: TokenOut, **error_responses(400, 401)},
    )
    def post(self, request):
        data = _valid(RefreshIn, request.data)
        try:
            pair = services.refresh_tokens(raw_refresh=data["refresh"])
        except services.InvalidToken as exc:
            raise exceptions.AuthenticationFailed(str(exc))
        return Response(pair.as_dict())


class LogoutApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        summary="Revoke the access token used and every token of its family",
        request=None,
        responses={204: None, **error_responses(401)},
    )
    def post(self, request):
        family = getattr(request.auth, "family", None)  # an ApiToken, or one remembered from Redis
        if family:
            services.revoke_token_family(family=family)
        return Response(status=204)


class MeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(tags=["people"], summary="The signed-in person", responses={200: UserOut, **error_responses(401)})
    def get(self, request):
        return Response(user_payload(request.user, signed_in=True))

    @extend_schema(
        tags=["people"],
        summary="Change the display name and / or bio",
        request=ProfileIn,
        responses={200: UserOut, **error_responses(400, 401)},
    )
    def patch(self, request):
        data = _valid(ProfileIn, request.data)
        user = request.user
        try:
            services.update_profile(
                user=user, display_name=data.get("display_name", user.display_name), bio=data.get("bio", user.bio)
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict)
        return Response(user_payload(user, signed_in=True))


class UserApi(APIView):
    @extend_schema(tags=["people"], summary="A profile", responses={200: UserOut, **error_responses(401, 404)})
    def get(self, request, username):
        user = selectors.get_active_user(username)
        state = selectors.follow_state(request.user, user)
        return Response(user_payload(user, state, signed_in=request.user.is_authenticated))


class FollowApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["people"],
        summary="Follow (idempotent)",
        request=None,
        responses={200: FollowOut, **error_responses(400, 401, 404)},
    )
    def post(self, request, username):
        followee = selectors.get_active_user(username)
        try:
            services.follow(follower=request.user, followee=followee)
        except services.FollowError as exc:
            raise exceptions.ValidationError([str(exc)])
        followee.refresh_from_db(fields=["followers_count"])
        return Response({"following": True, "followers_count": followee.followers_count})

    @extend_schema(
        tags=["people"], summary="Unfollow (idempotent)", responses={200: FollowOut, **error_responses(401, 404)}
    )
    def delete(self, request, username):
        followee = selectors.get_active_user(username)
        services.unfollow(follower=request.user, followee=followee)
        followee.refresh_from_db(fields=["followers_count"])
        return Response({"following": False, "followers_count": followee.followers_count})


CURSOR = OpenApiParameter("cursor", str, description="next_cursor of the previous page")


class _PeopleApi(APIView):
    lister = staticmethod(selectors.list_followers)

    def get(self, request, username):
        user = selectors.get_active_user(username)
        try:
            page = self.lister(user, cursor=request.query_params.get("cursor"))
        except ValueError as exc:
            raise exceptions.ValidationError({"cursor": [str(exc)]})
        signed_in = request.user.is_authenticated
        followed = selectors.followed_ids(request.user, [p.pk for p in page.people])
        results = [person_payload(p, (p.pk in followed) if signed_in else None) for p in page.people]
        return Response({"results": results, "next_cursor": page.next_cursor})


class FollowersApi(_PeopleApi):
    lister = staticmethod(selectors.list_followers)

    @extend_schema(
        tags=["people"],
        summary="Who follows this person",
        parameters=[CURSOR],
        responses={200: PeopleOut, **error_responses(400, 401, 404)},
    )
    def get(self, request, username):
        return super().get(request, username)


class FollowingApi(_PeopleApi):
    lister = staticmethod(selectors.list_following)

    @extend_schema(
        tags=["people"],
        summary="Whom this person follows",
        parameters=[CURSOR],
        responses={200: PeopleOut, **error_responses(400, 401, 404)},
    )
    def get(self, request, username):
        return super().get(request, username)


def _valid(serializer_class, data) -> dict:
    if not hasattr(data, "get"):
        raise exceptions.ValidationError(["Send a JSON object."])
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
