"""``manage.py package``: build the Lambda zip artifacts from the lock file.

    manage.py package --profile slim --arch arm64 --output dist/
    manage.py package --profile all --wheelhouse var/wheelhouse/arm64 --budget-mb 200
    manage.py package --profile all --arch x86_64 --download-only   # fill the wheel cache

Same inputs give a byte-identical zip; the artifact's name carries its content hash and a
manifest (files, sizes, sha256, dependency versions, pruning savings) is written beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Build reproducible Lambda zip artifacts (slim, data) from uv.lock."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", choices=["slim", "data", "all"], default="all")
        parser.add_argument("--arch", choices=["arm64", "x86_64"], default="arm64")
        parser.add_argument("--python", default="3.12", help="Lambda runtime version (3.12)")
        parser.add_argument("--output", default="dist", help="directory for the artifacts")
        parser.add_argument(
            "--wheelhouse",
            help="take every wheel from this directory, offline (default: download into "
            "var/wheelhouse/<arch> once and reuse it)",
        )
        parser.add_argument("--cache-dir", help="download cache (default var/wheelhouse/<arch>)")
        parser.add_argument("--budget-mb", type=float, help="fail above this many MB unzipped")
        parser.add_argument(
            "--keep-boto3",
            action="store_true",
            help="ship boto3/botocore/s3transfer instead of using the runtime's",
        )
        parser.add_argument("--no-compile", action="store_true", help="skip byte-compiling")
        parser.add_argument(
            "--no-strip", action="store_true", help="keep symbol tables in shared libraries"
        )
        parser.add_argument("--lock", default=None, help="lock file (default: uv.lock)")
        parser.add_argument(
            "--download-only",
            action="store_true",
            help="only fill the wheel cache (var/wheelhouse/<arch>) for the profiles",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from parakeet.packaging.budget import MB, BudgetExceeded
        from parakeet.packaging.build import BuildOptions, build_artifact, fetch_wheels
        from parakeet.packaging.lockfile import LockError
        from parakeet.packaging.tags import WheelRejected
        from parakeet.packaging.target import Target
        from parakeet.packaging.wheels import WheelUnavailable

        base_dir = Path(settings.BASE_DIR)
        try:
            target = Target(arch=options["arch"], python=options["python"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        profiles = ["slim", "data"] if options["profile"] == "all" else [options["profile"]]
        cache_dir = Path(options["cache_dir"] or base_dir / "var" / "wheelhouse" / target.arch)
        static_root = Path(settings.STATIC_ROOT) if settings.STATIC_ROOT else None
        for profile in profiles:
            build = BuildOptions(
                profile=profile,
                target=target,
                output_dir=Path(options["output"]),
                lock_path=Path(options["lock"] or base_dir / "uv.lock"),
                base_dir=base_dir,
                cache_dir=cache_dir,
                static_root=static_root,
                wheelhouse=Path(options["wheelhouse"]) if options["wheelhouse"] else None,
                budget_mb=options["budget_mb"],
                keep_boto3=options["keep_boto3"],
                languages=frozenset({settings.LANGUAGE_CODE}),
                compile=not options["no_compile"],
                strip=not options["no_strip"],
            )
            try:
                if options["download_only"]:
                    wheels = fetch_wheels(build)
                    self.stdout.write(
                        f"{profile}/{target.arch}: {len(wheels)} wheels in {cache_dir}"
                    )
                    continue
                result = build_artifact(build, log=lambda m: self.stdout.write(f"  {m}"))
            except (BudgetExceeded, LockError, WheelRejected, WheelUnavailable) as exc:
                raise CommandError(f"{profile}/{target.arch}: {exc}") from None
            manifest = result.manifest
            self.stdout.write(
                self.style.SUCCESS(f"{result.artifact}")
                + f"\n  sha256 {manifest['sha256']}"
                + f"\n  {manifest['unzipped_bytes'] / MB:.1f} MB unzipped, "
                f"{manifest['zipped_bytes'] / MB:.1f} MB zipped, {manifest['file_count']} files"
                + f"\n  manifest {result.manifest_path}"
            )
