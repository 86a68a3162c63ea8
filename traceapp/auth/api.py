"""JSON API for the signed-in user, users and API tokens."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView

from traceapp.api import api_actor, documented
from traceapp.api.paging import Blueprint, keyset_api_page
from traceapp.auth import services
from traceapp.auth.models import ApiToken, User
from traceapp.auth.schemas import NewTokenSchema, TokenSchema, UserActiveSchema, UserSchema
from traceapp.errors import NotFound
from traceapp.extensions import db

blp = Blueprint("api_auth", __name__, description="Users and API tokens")


@blp.route("/me")
class Me(MethodView):
    """The user behind the token."""

    @documented("getMe")
    @blp.response(200, UserSchema)
    def get(self) -> Any:
        """Who am I?"""
        return api_actor()


@blp.route("/users")
class Users(MethodView):
    """Accounts the caller may see."""

    @documented("listUsers")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """List users: admins all, managers their cooperative's, others themselves."""
        items = keyset_api_page(
            services.users_visible_to(api_actor()),
            [(User.email, False), (User.id, False)],
            pagination_parameters,
        )
        return items

    @documented("createUser", 403, 409)
    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a user (admins: any role; managers: users of their cooperative)."""
        return services.create_user(api_actor(), **data)


def _visible_user(user_id: int) -> User:
    user = db.session.execute(
        services.users_visible_to(api_actor()).where(User.id == user_id)
    ).scalar_one_or_none()
    if user is None:
        raise NotFound()
    return user


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    """One account."""

    @documented("getUser")
    @blp.response(200, UserSchema)
    def get(self, user_id: int) -> Any:
        """Read an account."""
        return _visible_user(user_id)

    @documented("updateUser", 403, 409)
    @blp.arguments(UserActiveSchema)
    @blp.response(200, UserSchema)
    def patch(self, data: dict[str, Any], user_id: int) -> Any:
        """Disable (ends its sessions and tokens) or re-enable an account."""
        return services.set_active(api_actor(), _visible_user(user_id), data["is_active"])


@blp.route("/tokens")
class Tokens(MethodView):
    """The caller's own API tokens."""

    @documented("listTokens")
    @blp.response(200, TokenSchema(many=True))
    def get(self) -> Any:
        """List my tokens (never their secrets)."""
        return (
            db.session.execute(
                sa.select(ApiToken)
                .where(ApiToken.user_id == api_actor().id)
                .order_by(ApiToken.created_at.desc())
            )
            .scalars()
            .all()
        )

    @documented("createToken", 409)
    @blp.arguments(TokenSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a token; the response is the only time its secret is shown."""
        actor = api_actor()
        token, raw = services.create_token(actor, actor, data["name"], data.get("expires_in_days"))
        token.token = raw  # type: ignore[attr-defined]
        return token


@blp.route("/tokens/<int:token_id>")
class TokenById(MethodView):
    """One of the caller's tokens."""

    @documented("revokeToken")
    @blp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke a token at once."""
        services.revoke_token(api_actor(), token_id)
