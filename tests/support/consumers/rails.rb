# Sends one message with exported ActionMailer settings, applied the way a Rails application
# applies config.action_mailer: ruby rails.rb EXPORT FROM TO SUBJECT
require "action_mailer"
require "active_support/ordered_options"

exported, from, to, subject = ARGV
config = ActiveSupport::OrderedOptions.new
config.action_mailer = ActiveSupport::OrderedOptions.new
eval(File.read(exported), binding, exported)
config.action_mailer.each { |key, value| ActionMailer::Base.public_send("#{key}=", value) }
ActionMailer::Base.raise_delivery_errors = true

class ExportedMailer < ActionMailer::Base
  def note(from, to, subject)
    mail(from: from, to: to, subject: subject, body: "sent with an exported configuration\n")
  end
end

ExportedMailer.note(from, to, subject).deliver_now
