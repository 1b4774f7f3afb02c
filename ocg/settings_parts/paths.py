"""Where the project lives and where it keeps its files; every settings block that needs them reads them here."""

from pathlib import Path

from ocg.spine.env import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("OCG_VAR_DIR", str(BASE_DIR / "var")))
