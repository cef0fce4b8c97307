// The data the HTML report's timeline is drawn from: the timeline model
// (replayer/timeline/timeline.h) turned into compact JSON arrays, with strings
// interned, redacted, and per-lane aggregation so the page stays small on
// huge traces. Aggregation keeps the first and last `detail` items of each
// kind per lane and timeline as they are and folds the ones between into
// runs (time span, count, counts per outcome, up to three distinct texts);
// triggers and deferred-work rounds are capped the same way on the
// driver-core lane. The format is private to the page's script
// (replayer/timeline/report_html_assets.cpp); docs/report-html.md describes the rules.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "replayer/report/scrub_cache.h"
#include "replayer/timeline/timeline.h"

namespace reprobe {

struct TimelineDataStats {
  size_t items_in = 0;        // probes, marks, triggers, rounds, firmware spans in the model
  size_t items_out = 0;       // drawn one by one
  size_t runs = 0;            // aggregated runs drawn instead of the rest
  size_t arrows_dropped = 0;  // trigger -> retry links not drawn (an end was aggregated)
  size_t same_lanes = 0;      // (replay, lane) pairs left out as identical to the capture
};

// Upper bound of the items (kept and folded runs) timeline_data_json writes for
// `detail`: cheap (counts only), for choosing `detail` before writing anything.
size_t timeline_data_items(const TimelineModel& tm, size_t detail, bool drop_same);

// `detail`: items of one kind kept as they are per lane and timeline (at least 2).
// Replays leave out healthy lanes (bound on the first attempt everywhere) and
// device_add/del marks are left out of lanes that have probe attempts. With
// `drop_same`, replays also leave out the lanes whose probe attempts have the
// capture's outcomes in the same order (listed in the timeline's "same").
nlohmann::json timeline_data_json(const TimelineModel& tm, size_t detail, bool drop_same, ScrubCache& scrub,
                                  TimelineDataStats& stats);

}  // namespace reprobe
