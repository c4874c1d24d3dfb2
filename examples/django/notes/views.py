from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .forms import NoteForm
from .models import Note


@require_GET
def note_list(request):
    return render(request, "notes/list.html", {"notes": Note.objects.all()[:100], "form": NoteForm()})


@require_http_methods(["GET", "POST"])
def add_note(request):
    """GET shows the form; POST (with Django's CSRF token) adds the note."""
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("note-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "notes/add.html", {"form": form}, status=status)
