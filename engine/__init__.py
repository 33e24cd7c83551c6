"""DigiTeller engine: turns a StoryRequest into a narrated, illustrated video. Never imports bot/ or storage/."""
