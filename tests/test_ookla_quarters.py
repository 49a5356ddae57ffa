"""Several quarters of Ookla tiles in one command: grouped by Ookla's file names, one load each."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from connectors_support import ookla_frame, points_in

from observatory.cli import main
from observatory.errors import ValidationError
from observatory.etl.connectors import ookla

TANGER = "01.511.01.0"


def test_files_are_grouped_by_type_and_quarter(tmp_path):
    names = [
        "2025-07-01_performance_fixed_tiles.parquet",
        "2025-04-01_performance_mobile_tiles.parquet",
        "2025-04-01_performance_fixed_tiles.parquet",
    ]
    groups = ookla.quarters([tmp_path / n for n in names], kind=None, quarter=None)
    assert [(k, q, [p.name for p in files]) for k, q, files in groups] == [
        ("fixed", "2025Q2", [names[2]]),
        ("mobile", "2025Q2", [names[1]]),
        ("fixed", "2025Q3", [names[0]]),
    ]
    one = ookla.quarters([tmp_path / n for n in names[::2]], kind="fixed", quarter="2025Q4")
    assert [(k, q, len(files)) for k, q, files in one] == [("fixed", "2025Q4", 2)]
    with pytest.raises(ValidationError, match="pass --quarter YYYYQn"):
        ookla.quarters([tmp_path / names[0], tmp_path / "tiles.parquet"], kind="fixed", quarter=None)


def test_two_quarters_load_in_one_command(writable_db, tmp_path):
    communes = writable_db.read("commune", columns=["code", "geometry"]).set_index("code")
    lon, lat = points_in(communes.geometry[TANGER], 3, seed=4)
    files = []
    for day, speed in (("2025-04-01", 40000), ("2025-07-01", 60000)):
        path = tmp_path / f"{day}_performance_fixed_tiles.parquet"
        frame = ookla_frame(
            lon, lat, d_kbps=[speed] * 3, u_kbps=[9000] * 3, lat_ms=[20] * 3, tests=[10] * 3, devices=[4] * 3
        )
        frame.to_parquet(path, index=False)
        files.append(str(path))
    result = CliRunner().invoke(main, ["load", "ookla", *files, "--db", str(writable_db.path)])
    assert result.exit_code == 0, result.output
    assert "2025Q2" in result.output and "2025Q3" in result.output
    runs = writable_db.read("etl_run")
    assert {"load ookla fixed 2025Q2", "load ookla fixed 2025Q3"} <= set(runs["job"])
    values = writable_db.read(
        "indicator_value", where={"unit_code": [TANGER], "period": ["2025Q2", "2025Q3"]}
    )
    download = values[values["indicator_id"].str.contains("download")].set_index("period")["value"]
    assert download.size >= 2 and np.isclose(download["2025Q3"].max() / download["2025Q2"].max(), 1.5)
