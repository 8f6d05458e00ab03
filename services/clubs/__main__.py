from services.common.runner import run_service  # noqa: I001  (runner monkey-patches first)

from .service import ClubsService

run_service(ClubsService)
