from django.urls import path

from . import views

urlpatterns = [
    path("", views.note_list, name="note-list"),
    path("add", views.add_note, name="note-add"),
]
