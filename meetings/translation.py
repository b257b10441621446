"""What the secretariat enters in each of ITU's six languages (django-modeltranslation).

Each field below gets one column per language of ``settings.LANGUAGES`` (``title_en``, ``title_fr``,
``title_zh_hans``…). ``meeting.title`` reads the active language's, else the English one, which is
required (the model's constraints hold it); the others may be left empty. Reads that go through
another model's query (a registration's ``meeting__title``) use ``meetings.translated``.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Meeting, StudyGroup


@register(StudyGroup)
class StudyGroupTranslationOptions(TranslationOptions):
    fields = ("title",)
    required_languages = ("en",)


@register(Meeting)
class MeetingTranslationOptions(TranslationOptions):
    fields = ("title", "place")
    required_languages = ("en",)
