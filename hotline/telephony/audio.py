"""Recorded prompts of the voice scripts, served to Twilio's <Play>.

A prompt may be a recording (`{audio: bienvenue.mp3, text: …}` in a translation file);
`Voice.speak` then renders `<Play>/voice/audio/<script>/<file></Play>` and Twilio fetches that
URL before playing it. Twilio's media fetch carries no signature we could rely on, and a
recording says nothing secret, so these routes live outside the signed `voice` blueprint.
Only files a prompt of that script names are served, with the audio type Twilio plays; any
other name (another file of the folder, `../`) is a 404.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, Flask, Response, abort, send_from_directory

from hotline.voice.scripts_cache import all_scripts

bp = Blueprint("voice_audio", __name__, url_prefix="/voice/audio")
AUDIO_TYPES = {".mp3": "audio/mpeg", ".wav": "audio/x-wav"}
CACHE_SECONDS = 3600  # Twilio caches media too; a changed recording gets a new file name


@bp.get("/<script>/<path:filename>")
def recorded_prompt(script: str, filename: str) -> Response:
    found = all_scripts().get(script)
    media_type = AUDIO_TYPES.get(PurePosixPath(filename).suffix.lower())
    if found is None or media_type is None:
        abort(404)
    named = {
        prompt.audio
        for prompts in found.prompts.values()
        for prompt in prompts.values()
        if prompt.audio
    }
    if filename not in named:
        abort(404)
    return send_from_directory(
        found.folder, filename, mimetype=media_type, max_age=CACHE_SECONDS, conditional=True
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
