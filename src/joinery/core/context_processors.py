from django.conf import settings


def joinery(request):
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from joinery.notifications.selectors import unread_count

        unread = unread_count(person=user)
    return {
        "JOINERY_DEMO": settings.JOINERY_DEMO,
        "unread_notifications": unread,
    }
