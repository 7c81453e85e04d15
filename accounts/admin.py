"""Moderation: find people, suspend and unsuspend them (through the services), look at follows."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts import services
from accounts.models import Follow, User


class SuspendedFilter(admin.SimpleListFilter):
    title = "suspended"
    parameter_name = "suspended"

    def lookups(self, request, model_admin):
        return [("yes", "Suspended"), ("no", "Not suspended")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(suspended_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(suspended_at__isnull=True)
        return queryset


class ChirpUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


class ChirpUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = ChirpUserCreationForm
    form = ChirpUserChangeForm
    list_display = [
        "username",
        "display_name",
        "email",
        "followers_count",
        "following_count",
        "tweets_count",
        "date_joined",
        "last_seen_at",
        "suspended_at",
        "is_staff",
    ]
    list_filter = [SuspendedFilter, "is_staff", "is_superuser"]
    search_fields = ["username", "display_name", "email"]
    ordering = ["-date_joined"]
    readonly_fields = [
        "followers_count",
        "following_count",
        "tweets_count",
        "last_seen_at",
        "is_active",
        "suspended_at",
        "last_login",
        "date_joined",
    ]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Profile", {"fields": ["display_name", "bio", "email"]}),
        ("Activity (suspend and unsuspend with the list actions)", {"fields": readonly_fields}),
        ("Permissions", {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    actions = ["suspend", "unsuspend"]
    show_full_result_count = False

    @admin.action(description="Suspend the selected people")
    def suspend(self, request, queryset):
        count = 0
        for user in queryset.filter(suspended_at__isnull=True):
            services.suspend_user(user=user, by=request.user)
            count += 1
        self.message_user(request, f"Suspended {count} account(s).", messages.SUCCESS)

    @admin.action(description="Unsuspend the selected people")
    def unsuspend(self, request, queryset):
        count = 0
        for user in queryset.filter(suspended_at__isnull=False):
            services.unsuspend_user(user=user)
            count += 1
        self.message_user(request, f"Unsuspended {count} account(s).", messages.SUCCESS)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["id", "follower", "followee", "created_at"]
    list_select_related = ["follower", "followee"]
    search_fields = ["follower__username", "followee__username"]
    raw_id_fields = ["follower", "followee"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
