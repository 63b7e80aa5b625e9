from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hiring", "0005_loop_feedback_due"),
    ]

    operations = [
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                ("name", models.CharField(max_length=50, primary_key=True, serialize=False)),
                ("at", models.DateTimeField()),
            ],
        ),
    ]
