from django import forms

from cohorts.models import Cohort
from labs.loader import load_labs


class CohortForm(forms.ModelForm):
    lab_ids = forms.MultipleChoiceField(
        label="Labs",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The board shows these labs' steps. None: every lab your learners start.",
    )

    class Meta:
        model = Cohort
        fields = ["name", "lab_ids", "starts_at", "ends_at"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }
        labels = {"starts_at": "Joining opens (UTC)", "ends_at": "Joining closes (UTC)"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lab_ids"].choices = [
            (lab.id, f"{lab.title} (area {lab.area})") for lab in load_labs().values()
        ]

    def clean(self) -> dict:
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "Joining must close after it opens.")
        return data


class JoinForm(forms.Form):
    code = forms.CharField(label="Join code", max_length=40)
