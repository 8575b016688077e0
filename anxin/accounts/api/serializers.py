from __future__ import annotations

from rest_framework import serializers

from anxin.accounts.api.personal import PersonalDataMixin
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


class UserSerializer(PersonalDataMixin, serializers.ModelSerializer[User]):
    full_name = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField()
    memberships = MembershipSerializer(many=True, read_only=True, source="active_memberships")

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "mobile", "is_active", "memberships"]
        read_only_fields = fields

    def get_full_name(self, obj: User) -> str | None:
        return self._personal(obj.full_name, mask_name, owner=obj, subject=obj)

    def get_mobile(self, obj: User) -> str | None:
        return self._personal(obj.mobile, mask_mobile, owner=obj, subject=obj)


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
