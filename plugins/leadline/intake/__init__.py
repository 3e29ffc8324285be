"""CallRail webhook intake: a FastAPI app that runs standalone (Cloud Run) or inside the Airflow API server."""
