"""Why an envelope was refused: the sender's fault, with a stable code for the phone."""


class Rejected(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
