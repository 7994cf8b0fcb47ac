import signal
import threading

from django.core.management.base import BaseCommand

from clusters.watcher import WatchSupervisor


class Command(BaseCommand):
    help = "Watch pods and Events of every ready lab session and feed the event pipeline."

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between DB polls")

    def handle(self, *args, poll: float, **options):
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("watching lab sessions (Ctrl-C to stop)")
        WatchSupervisor().run(stop, poll_seconds=poll)
