from __future__ import annotations

from typing import Any

from rest_framework import serializers

from anxin.accounts.models import Membership, User
from anxin.accounts.selectors import mask_mobile, mask_name, may_see_personal_data


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    area_code = serializers.CharField(source="area.code", read_only=True, default=None)
    area_name = serializers.CharField(source="area.name", read_only=True, default=None)
    organisation_name = serializers.CharField(
        source="organisation.name", read_only=True, default=None
    )

    class Meta:
        model = Membership
        fields = [
            "id",
            "role",
            "scope",
            "area_code",
            "area_name",
            "organisation",
            "organisation_name",
            "is_active",
        ]
        read_only_fields = fields


class PersonalDataMixin:
    """Masks residents' names and mobile numbers unless the viewer may see them.

    Each object shown unmasked is collected in ``context["unmasked"]``; the view
    writes them to the audit log once the response is built.
    """

    context: dict[str, Any]

    def _personal(self, subject: User, value: str | None, masker: Any) -> str | None:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if viewer is not None and viewer.pk == subject.pk:
            return value
        if not subject.is_resident:
            return value
        if viewer is not None and may_see_personal_data(viewer):
            if value:
                self.context.setdefault("unmasked", {})[subject.pk] = subject
            return value
        return masker(value)  # type: ignore[no-any-return]


class UserSerializer(PersonalDataMixin, serializers.ModelSerializer[User]):
    full_name = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField()
    memberships = MembershipSerializer(many=True, read_only=True, source="active_memberships")

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "mobile", "is_active", "memberships"]
        read_only_fields = fields

    def get_full_name(self, obj: User) -> str | None:
        return self._personal(obj, obj.full_name, mask_name)

    def get_mobile(self, obj: User) -> str | None:
        return self._personal(obj, obj.mobile, mask_mobile)


class MeSerializer(serializers.ModelSerializer[User]):
    memberships = MembershipSerializer(many=True, read_only=True, source="active_memberships")
    may_see_personal_data = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "mobile",
            "email",
            "is_superuser",
            "memberships",
            "may_see_personal_data",
        ]
        read_only_fields = fields

    def get_may_see_personal_data(self, obj: User) -> bool:
        return may_see_personal_data(obj)
