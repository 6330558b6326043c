// SPDX-License-Identifier: GPL-3.0-or-later
// ValueJson: a Value tree as JSON for display (hyper-parameters, `inspect --json`, the details panel).
//
// Mapping: None/bool/int/float/str as themselves (non-finite floats as "nan"/"inf"/"-inf", integers beyond
// int64 as decimal strings); tuples, lists and sets as arrays; dicts as objects (non-string keys by their
// repr); paths as their string; argparse.Namespace, AttributeDict and OmegaConf configs as their content;
// tensors as "tensor(float32[3, 4], cpu)"; bytes by their repr; any other object as
// {"__object__": "module.name", "args": [...], "state": ...}. Recursion stops at kMaxWalkDepth ("…").
#pragma once

#include "pickle/Value.h"

#include <nlohmann/json.hpp>

namespace podium::pickle {

nlohmann::json toJson(const Value* v, int depth = 0);

/// A finite double as a JSON number, else "nan"/"inf"/"-inf" (the CLI's score contract).
nlohmann::json numberJson(double d);

/// A short Python-like repr ("'abc'", "3", "(1, 2)", "tensor(...)") for keys and table cells.
std::string repr(const Value* v, int depth = 0);

/// "tensor(float32[3, 4], cpu)".
std::string describeTensor(const TensorRef& t);

} // namespace podium::pickle
