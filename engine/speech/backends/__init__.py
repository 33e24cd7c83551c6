"""TTS backends. Each module exposes ``POLICY`` (what its front-end can read, see normalize.Policy)
and ``synth(text, voice, lang, cancel) -> (float32 mono samples, sample rate)``; text arrives
already normalised. Heavy imports (onnxruntime, torch) happen inside the functions that need them."""
