"""The bot's side of a story job, in small parts (bot/runner.py ties them together):

- record.py    JobRecord: everything the bot tracks for one running job, in one place
- spec.py      a story row → the JobSpec that goes into the queue (folders relative to DATA_DIR)
- display.py   queue position and engine progress → the job's status message
- outcomes.py  how a job ended → job status + user message, as one table
- bot/delivery.py sends the finished video; storage/repo.py owns every story/job status change.
"""
