//! `trend --plot`: the share of snapshots matching each query, per period, as an SVG or
//! PNG line chart drawn with plotters. The font is compiled in, so charts look the same
//! on any machine, with or without system fonts.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::search::trend::{Dedup, Period, Trend, Unit};

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Line colours, one per query (cycled).
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Errors drawing a chart.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("{path}: the chart file must end in .svg or .png")]
    Extension { path: String },
    #[error("{path}: nothing to draw (no dated snapshots match the filters)")]
    Empty { path: String },
    #[error("{path}: cannot draw the chart: {message}")]
    Draw { path: String, message: String },
}

/// Draws `trend` into `path` (`.svg` or `.png`).
pub fn plot_trend(trend: &Trend, path: &Path) -> Result<(), PlotError> {
    let shown = path.display().to_string();
    if trend.rows.is_empty() {
        return Err(PlotError::Empty { path: shown });
    }
    REGISTER.call_once(|| {
        // The bytes are a valid TrueType font shipped with the sources.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let size = (1000, 560);
    let draw = |e: Box<dyn std::error::Error>| PlotError::Draw {
        path: shown.clone(),
        message: e.to_string(),
    };
    match ext.as_deref() {
        Some("svg") => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            draw_chart(&root, trend).map_err(draw)?;
            root.present().map_err(|e| draw(Box::new(e)))
        }
        Some("png") => {
            // Drawn into memory, then written by the png crate (plotters' own encoder
            // would bring in the whole `image` crate).
            let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                draw_chart(&root, trend).map_err(draw)?;
                root.present().map_err(|e| draw(Box::new(e)))?;
            }
            write_png(path, size, &rgb).map_err(|e| PlotError::Draw {
                path: shown.clone(),
                message: e.to_string(),
            })
        }
        _ => Err(PlotError::Extension { path: shown }),
    }
}

/// Writes 8-bit RGB pixels as a PNG file.
fn write_png(
    path: &Path,
    (w, h): (u32, u32),
    rgb: &[u8],
) -> Result<(), Box<dyn std::error::Error>> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(())
}

/// Draws `trend` as an SVG document (for a web page).
pub fn trend_svg(trend: &Trend) -> Result<String, PlotError> {
    let shown = "chart".to_string();
    if trend.rows.is_empty() {
        return Err(PlotError::Empty { path: shown });
    }
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 560)).into_drawing_area();
        let draw = |message: String| PlotError::Draw {
            path: shown.clone(),
            message,
        };
        draw_chart(&root, trend).map_err(|e| draw(e.to_string()))?;
        root.present().map_err(|e| draw(e.to_string()))?;
    }
    Ok(svg)
}

fn draw_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    trend: &Trend,
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let n = trend.rows.len();
    let max_share = trend
        .rows
        .iter()
        .flat_map(|r| r.matches.iter().map(|c| c.share))
        .fold(0.0f64, f64::max);
    // Headroom above the lines for the legend, but never past 100%: when the lines run
    // high, the legend goes to the lower right instead.
    let y_top = (max_share * 100.0 * 1.3).clamp(1.0, 100.0);
    let legend_low = max_share * 100.0 * 1.3 > 100.0;
    let per = match trend.by {
        Period::Year => "year",
        Period::Half => "half-year",
        Period::Quarter => "quarter",
        Period::Month => "month",
    };
    let unit = match (trend.unit, trend.dedup) {
        (Unit::Snapshots, Dedup::None) => "snapshots archived",
        (Unit::Sites, Dedup::None) => "sites archived",
        (Unit::Snapshots, _) => "distinct texts archived",
        (Unit::Sites, _) => "sites' distinct texts",
    };
    let title = format!("Share of archived policies matching, per {per}");
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..y_top)?;
    let labels: Vec<String> = trend.rows.iter().map(|r| r.period.clone()).collect();
    chart
        .configure_mesh()
        .x_desc(format!("archive {per}"))
        .y_desc(format!("matching (% of {unit})"))
        .x_labels(n.min(24))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    for (q, query) in trend.queries.iter().enumerate() {
        let color = COLORS[q % COLORS.len()];
        // Periods with no snapshots at all have no share: the line breaks there.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (i, r) in trend.rows.iter().enumerate() {
            if r.policies_total == 0 {
                runs.push(Vec::new());
            } else if let Some(run) = runs.last_mut() {
                run.push((i as f64, r.matches[q].share * 100.0));
            }
        }
        runs.retain(|r| !r.is_empty());
        for (k, run) in runs.into_iter().enumerate() {
            let series = chart.draw_series(LineSeries::new(run.clone(), color.stroke_width(2)))?;
            if k == 0 {
                series.label(query.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            }
            chart.draw_series(run.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
        }
    }
    chart
        .configure_series_labels()
        .position(if legend_low {
            SeriesLabelPosition::LowerRight
        } else {
            SeriesLabelPosition::UpperLeft
        })
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;
    Ok(())
}
