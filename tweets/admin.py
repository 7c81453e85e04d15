"""Moderation of tweets: search, filter, read the history, remove (through the service)."""

from __future__ import annotations

from django.contrib import admin, messages

from tweets import services
from tweets.models import Tweet, TweetVersion


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("yes", "Deleted"), ("no", "Live")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


class TweetVersionInline(admin.TabularInline):
    model = TweetVersion
    extra = 0
    can_delete = False
    fields = ["number", "text", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tweet)
class TweetAdmin(admin.ModelAdmin):
    list_display = ["id", "author", "short_text", "created_at", "version", "deleted_at", "removed_by_moderator"]
    list_filter = [DeletedFilter, "removed_by_moderator"]
    search_fields = ["text", "author__username"]
    list_select_related = ["author"]
    show_full_result_count = False
    ordering = ["-id"]
    inlines = [TweetVersionInline]
    actions = ["remove_tweets"]
    readonly_fields = [
        "id", "author", "text", "reply_to", "reply_to_version", "conversation_id", "quote_of", "quote_of_version",
        "retweet_of", "created_at", "version", "edited_at", "deleted_at", "removed_by_moderator",
        "like_count", "retweet_count", "reply_count", "quote_count",
    ]  # fmt: skip

    @admin.display(description="text")
    def short_text(self, tweet: Tweet) -> str:
        return tweet.text[:80] if tweet.text else f"(retweet of {tweet.retweet_of_id})"

    @admin.action(description="Remove selected tweets")
    def remove_tweets(self, request, queryset):
        removed = sum(services.remove_tweet(tweet=tweet, moderator=request.user) for tweet in queryset)
        self.message_user(request, f"Removed {removed} tweet(s).", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # remove instead: ids keep their meaning, replies keep their tombstone
