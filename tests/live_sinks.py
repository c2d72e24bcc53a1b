"""A live output sink for tests: it keeps every update and the closing summary."""


class Collect:
    def __init__(self):
        self.updates = []

    def on_samples(self, *args):
        pass

    def on_update(self, record):
        self.updates.append(record)

    def close(self, summary):
        self.summary = summary
