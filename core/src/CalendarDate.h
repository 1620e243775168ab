#pragma once
// Whole days as the mandates count them: calendar dates in Europe/Berlin, independent of the host's time
// zone.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

namespace regfed::core {

/// A calendar date as days since 1970-01-01.
using Day = std::int64_t;

/// Parses "YYYY-MM-DD" (a valid calendar date); nullopt otherwise.
std::optional<Day> parseDay(const std::string& text);

/// Formats a day as "YYYY-MM-DD".
std::string formatDay(Day day);

/// Year of a day.
int yearOf(Day day);

/// First day of a year.
Day firstDayOf(int year);

/// The Europe/Berlin calendar day at a UTC instant (CET/CEST by the EU rule: summer time from the last Sunday
/// of March 01:00 UTC to the last Sunday of October 01:00 UTC).
Day berlinDay(std::time_t utc);

/// Today in Europe/Berlin.
Day berlinToday();

}  // namespace regfed::core
